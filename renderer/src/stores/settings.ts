import { defineStore } from 'pinia';
import { ref, watch } from 'vue';

export type Theme = 'light' | 'dark';

function initialTheme(): Theme {
  const saved = localStorage.getItem('scorescope.theme');
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** Preferences kept in the browser profile. */
export const useSettings = defineStore('settings', () => {
  const theme = ref<Theme>(initialTheme());
  watch(theme, (t) => {
    localStorage.setItem('scorescope.theme', t);
    document.documentElement.dataset['theme'] = t;
  }, { immediate: true });
  const toggleTheme = () => (theme.value = theme.value === 'dark' ? 'light' : 'dark');
  return { theme, toggleTheme };
});
