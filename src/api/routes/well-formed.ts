import { badParam } from '../errors.ts';

/**
 * 400 naming the first field of a JSON body whose text (value or key) is not well-formed
 * Unicode, i.e. holds a lone surrogate ("\ud800"). Such text cannot be stored as UTF-8:
 * SQLite would keep U+FFFD and PostgreSQL would refuse the row, so the value read back
 * would differ from the one accepted. Iterative, so a deeply nested body cannot
 * overflow the stack.
 */
// A high surrogate not followed by a low one, or a low one not preceded by a high one
// (String.prototype.isWellFormed, which the project's TypeScript lib does not declare yet).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function assertWellFormedText(body: unknown): void {
  const stack: { value: unknown; path: string }[] = [{ value: body, path: '' }];
  while (stack.length > 0) {
    const { value, path } = stack.pop() as { value: unknown; path: string };
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value))
        throw badParam(path || 'body', 'must be well-formed Unicode (no lone surrogates)');
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => {
        stack.push({ value: v, path: `${path}[${i}]` });
      });
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        const at = path ? `${path}.${k}` : k;
        if (LONE_SURROGATE.test(k)) throw badParam(at, 'has a key that is not well-formed Unicode');
        stack.push({ value: v, path: at });
      }
    }
  }
}
