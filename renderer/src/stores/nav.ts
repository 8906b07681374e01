import { defineStore } from 'pinia';
import { ref } from 'vue';

export const views = ['datasets', 'lab', 'audit', 'runs', 'settings'] as const;
export type ViewName = (typeof views)[number];

function fromHash(): ViewName {
  const h = location.hash.replace(/^#\/?/, '').split('/')[0];
  return (views as readonly string[]).includes(h ?? '') ? (h as ViewName) : 'lab';
}

/** Which view is shown, mirrored in the URL hash so reloads and links keep it. */
export const useNav = defineStore('nav', () => {
  const view = ref<ViewName>(fromHash());
  window.addEventListener('hashchange', () => (view.value = fromHash()));
  function go(v: ViewName) {
    view.value = v;
    history.replaceState(null, '', `${location.pathname}${location.search}#/${v}`);
  }
  return { view, go };
});
