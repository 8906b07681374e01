import { ref } from 'vue';
import { filesFromDrop, filesFromInput, hostPathFor, type PickedFile } from '../client/upload';

/**
 * Files dropped on a zone or picked with a file/folder input, turned into a path the host can read
 * (Electron: the OS path; browser host: uploaded first, with progress). Bind `dragging` and
 * `onDrop` to the zone and `onPicked` to the inputs' change event.
 */
export function useFileDrop(opts: {
  /** The error shown when a drop holds no file (say what is expected). */
  nothingMessage: string;
  onPath: (path: string) => void;
}) {
  const dragging = ref(false);
  /** Upload progress (0..1) while files go to the host, else null. */
  const uploading = ref<number | null>(null);
  const error = ref<string | null>(null);

  async function take(files: PickedFile[]) {
    error.value = null;
    if (files.length === 0) {
      error.value = opts.nothingMessage;
      return;
    }
    try {
      uploading.value = 0;
      opts.onPath(await hostPathFor(files, (f) => (uploading.value = f)));
    } catch (e) {
      error.value = (e as Error).message;
    } finally {
      uploading.value = null;
    }
  }

  async function onDrop(e: DragEvent) {
    dragging.value = false;
    if (e.dataTransfer) await take(await filesFromDrop(e.dataTransfer.items));
  }

  async function onPicked(e: Event) {
    const input = e.target as HTMLInputElement;
    if (input.files) await take(filesFromInput(input.files));
    input.value = '';
  }

  return { dragging, uploading, error, onDrop, onPicked };
}
