/// <reference types="vite/client" />
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

interface ScoreScopePreload {
  call(name: string, request: unknown): Promise<{ ok: true; response: unknown } | { ok: false; error: { code: string; message: string } }>;
  onEvent(listener: (event: unknown) => void): () => void;
  pathForFile(file: File): string;
}

interface Window {
  scorescope?: ScoreScopePreload;
}
