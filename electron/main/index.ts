/**
 * Electron main process: a hardened window and the contract wired to ipcMain. The engine runs
 * in a worker thread owned by the shared service, so the window never waits on it.
 */
import { app, BrowserWindow, ipcMain, protocol, session, shell } from 'electron';
import { resolveResource, resourceSegments } from '../hosts/resources';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ipcChannels, wireError } from '../contract';
import { createService, type Service } from '../hosts/service';
import { resolveWorkspace } from '../workspace/paths';
import { parseBackendName } from '../science/backend';

const here = fileURLToPath(new URL('.', import.meta.url));
app.setName('ScoreScope');
protocol.registerSchemesAsPrivileged([{ scheme: 'scorescope', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: scorescope:",
  "connect-src 'self' scorescope:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1360,
    height: 880,
    title: 'ScoreScope',
    show: false,
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  // No navigation away from the app and no new windows; external links open in the browser.
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (process.env['ELECTRON_RENDERER_URL']) void win.loadURL(process.env['ELECTRON_RENDERER_URL']);
  else void win.loadFile(join(here, '../renderer/index.html'));
  return win;
}

function wire(service: Service) {
  ipcMain.handle(ipcChannels.call, async (_e, name: unknown, request: unknown) => {
    try {
      return { ok: true, response: await service.callUnknown(name, request) };
    } catch (e) {
      return { ok: false, error: wireError(e) };
    }
  });
  service.onEvent((event) => {
    for (const w of BrowserWindow.getAllWindows()) w.webContents.send(ipcChannels.event, event);
  });
}

void app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  const service = createService({
    workspace: resolveWorkspace(argValue('workspace')),
    backend: parseBackendName(argValue('backend') ?? process.env['SCORESCOPE_BACKEND']),
    host: 'electron',
    revealFolder: (dir) => shell.showItemInFolder(dir),
  });
  wire(service);
  // Images and exports: the same resources the browser host serves at /res/.
  protocol.handle('scorescope', async (request) => {
    const url = new URL(request.url);
    const segments = url.host === 'res' ? resourceSegments(url.pathname, '/') : null;
    const r = segments && (await resolveResource(segments, url.searchParams, service.options.workspace));
    if (!r) return new Response('not found', { status: 404 });
    const headers: Record<string, string> = { 'content-type': r.contentType };
    if (r.filename) headers['content-disposition'] = `attachment; filename="${r.filename.replace(/[^\w.-]/g, '_')}"`;
    return new Response(new Uint8Array(r.body), { headers });
  });
  // Exports arrive as downloads: always ask where to save them.
  session.defaultSession.on('will-download', (_e, item) => {
    item.setSaveDialogOptions({ title: 'Save export', defaultPath: join(app.getPath('documents'), item.getFilename()) });
  });
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  app.on('window-all-closed', () => {
    void service.close().finally(() => app.quit());
  });
});

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (e) => e.preventDefault());
});
