/** Exposes the typed client to the renderer, and nothing else. */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { ipcChannels } from '../contract/channels';

type Listener = (event: unknown) => void;

contextBridge.exposeInMainWorld('scorescope', {
  call: (name: string, request: unknown) => ipcRenderer.invoke(ipcChannels.call, name, request),
  onEvent: (listener: Listener) => {
    const wrapped = (_e: unknown, event: unknown) => listener(event);
    ipcRenderer.on(ipcChannels.event, wrapped);
    return () => ipcRenderer.off(ipcChannels.event, wrapped);
  },
  /** Native drag-and-drop: the OS path of a dropped File (Electron's File has no .path any more). */
  pathForFile: (file: File) => webUtils.getPathForFile(file),
});
