import { defineStore } from 'pinia';
import { ref } from 'vue';

export const views = ['datasets', 'lab', 'audit', 'runs', 'settings'] as const;
export type ViewName = (typeof views)[number];

/** The hash's segments after "#/": "#/runs/<id>" → ['runs', '<id>']. */
const hashParts = () => location.hash.replace(/^#\/?/, '').split('/');

function fromHash(): ViewName {
  const h = hashParts()[0];
  return (views as readonly string[]).includes(h ?? '') ? (h as ViewName) : 'lab';
}

/** The item open in `view` (#/<view>/<item>), so reloads and links keep it; null if none. */
export function hashItem(view: ViewName): string | null {
  const [v, item] = hashParts();
  return v === view && item ? decodeURIComponent(item) : null;
}

/** Mirrors the view and its open item in the hash, without a history entry. */
export function setHashItem(view: ViewName, item: string | null): void {
  const hash = item ? `#/${view}/${encodeURIComponent(item)}` : `#/${view}`;
  history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
}

/** Which view is shown, mirrored in the URL hash so reloads and links keep it. */
export const useNav = defineStore('nav', () => {
  const view = ref<ViewName>(fromHash());
  window.addEventListener('hashchange', () => (view.value = fromHash()));
  function go(v: ViewName) {
    view.value = v;
    setHashItem(v, null);
  }
  return { view, go };
});
