/**
 * compareText: the one order for text that must not depend on locale or engine: UTF-16 code
 * units, as `<` compares them. For sorts whose output is stored, hashed or compared.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
