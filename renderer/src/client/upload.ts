/**
 * Files dropped or picked in the page become a folder the host can read: in Electron, the OS
 * path itself; in the browser host, an upload to `<workspace>/uploads/<session>/`.
 */
import { transport } from './index';

export interface PickedFile {
  file: File;
  /** Path inside the dropped folder ('cats/1.png'), or the bare name for a single file. */
  relativePath: string;
}

/** Walks a drop (files and folders) into a flat list with relative paths. */
export async function filesFromDrop(items: DataTransferItemList): Promise<PickedFile[]> {
  const entries = Array.from(items).map((i) => i.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  const out: PickedFile[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((ok, fail) => (entry as FileSystemFileEntry).file(ok, fail));
      out.push({ file, relativePath: `${prefix}${entry.name}` });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  };
  for (const e of entries) await walk(e, '');
  return out;
}

/** From an <input type=file> (with or without webkitdirectory). */
export function filesFromInput(list: FileList): PickedFile[] {
  return Array.from(list).map((file) => ({ file, relativePath: file.webkitRelativePath || file.name }));
}

/**
 * A path the host can open for these files: Electron gives the OS path of a single dropped item
 * (file or folder); the browser host uploads them and returns the staging path (a folder, or the
 * file itself when there is one).
 */
export async function hostPathFor(files: PickedFile[], onProgress?: (fraction: number) => void): Promise<string> {
  if (files.length === 0) throw new Error('nothing to upload');
  if (transport === 'ipc' && window.scorescope) {
    const first = files[0]!;
    const path = window.scorescope.pathForFile(first.file);
    const top = first.relativePath.split('/')[0]!;
    // A dropped folder: strip the inner part of the first file's path to get the folder.
    return first.relativePath.includes('/') ? path.slice(0, path.length - first.relativePath.length + top.length) : path;
  }
  const session = crypto.randomUUID();
  const total = files.reduce((a, f) => a + f.file.size, 0) || 1;
  let sent = 0;
  let last: { directory: string; file: string } | undefined;
  for (const f of files) {
    const path = f.relativePath.split('/').map(encodeURIComponent).join('/');
    const r = await fetch(`/upload/${session}/${path}`, { method: 'PUT', body: f.file });
    if (!r.ok) throw new Error(`upload of ${f.relativePath} failed: ${await r.text()}`);
    last = (await r.json()) as { directory: string; file: string };
    sent += f.file.size;
    onProgress?.(sent / total);
  }
  const tops = new Set(files.map((f) => f.relativePath.split('/')[0]));
  if (files.length === 1) return last!.file;
  // One dropped folder: import that folder; several loose items: the session folder holds them.
  return tops.size === 1 && files[0]!.relativePath.includes('/') ? `${last!.directory}/${[...tops][0]}` : last!.directory;
}
