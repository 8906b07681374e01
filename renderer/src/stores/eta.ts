/** "42 s left" / "3 min 5 s left" from a job's etaSeconds; '' while there is no estimate. */
export function etaText(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '';
  if (seconds < 60) return `${Math.ceil(seconds)} s left`;
  return `${Math.floor(seconds / 60)} min ${Math.ceil(seconds % 60)} s left`;
}
