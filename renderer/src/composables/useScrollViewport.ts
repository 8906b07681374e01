import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue';

/**
 * Scroll position and size of a scrolling element, for virtualised lists: the position is read at
 * most once per animation frame, the size follows a ResizeObserver. Bind `onScroll` to the
 * element's passive scroll event.
 */
export function useScrollViewport(el: Ref<HTMLElement | null>, initialHeight = 0) {
  const scrollTop = ref(0);
  const width = ref(0);
  const viewport = ref(initialHeight);

  let frame = 0;
  function onScroll() {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      if (el.value) scrollTop.value = el.value.scrollTop;
    });
  }

  /** Back to the top (a new source or a new order). */
  function toTop() {
    if (el.value) el.value.scrollTop = 0;
    scrollTop.value = 0;
  }

  let observer: ResizeObserver | undefined;
  onMounted(() => {
    const node = el.value;
    if (!node) return;
    const measure = () => {
      width.value = node.clientWidth;
      viewport.value = node.clientHeight;
    };
    measure();
    observer = new ResizeObserver(measure);
    observer.observe(node);
  });
  onBeforeUnmount(() => {
    observer?.disconnect();
    if (frame) cancelAnimationFrame(frame);
  });

  return { scrollTop, width, viewport, onScroll, toTop };
}
