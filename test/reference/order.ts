/**
 * Orderings shared by every endpoint of the reference.
 *
 * Labels and ids are compared by Unicode code point, which is the same order
 * as comparing their UTF-8 bytes (what a SQL engine does for `ORDER BY s`).
 * JavaScript's `<` compares UTF-16 code units instead, which differs for
 * characters outside the BMP versus U+E000..U+FFFF, so it is not used.
 */

export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done === true) return cb.done === true ? 0 : -1;
    if (cb.done === true) return 1;
    const pa = ca.value.codePointAt(0) ?? 0;
    const pb = cb.value.codePointAt(0) ?? 0;
    if (pa !== pb) return pa < pb ? -1 : 1;
  }
}

/** §3: series per group value / per intent — by `sum` descending, then label ascending. */
export function byCountDescThenText<T>(count: (x: T) => number, text: (x: T) => string) {
  return (a: T, b: T): number => count(b) - count(a) || compareText(text(a), text(b));
}
