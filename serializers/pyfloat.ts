/**
 * Python's `repr(float)`: the shortest text that reads back as the same
 * double, in fixed notation for decimal exponents -4..16 and scientific
 * notation otherwise (`1e+16`, `1e-05`, `100.0`, `-0.0`).
 *
 * @module
 */

/**
 * Formats a finite number as Python's `repr(float)` does.
 *
 * @param value a finite number
 * @returns the text
 * @example
 * ```ts
 * import { pythonFloatRepr } from "./pyfloat.ts";
 * pythonFloatRepr(1e16); // "1e+16"
 * pythonFloatRepr(100);  // "100.0"
 * ```
 */
export function pythonFloatRepr(value: number): string {
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const abs = Math.abs(value);
  if (abs >= 1e-4 && abs < 1e16) {
    // Both JS and Python write the shortest round-trip digits in fixed notation
    // here; Python adds ".0" to integral values.
    const text = String(value);
    return Number.isInteger(value) ? text + ".0" : text;
  }
  const sign = value < 0 ? "-" : "";
  // toExponential() without a digit count gives the shortest round-trip digits, as repr() does.
  const exp = abs.toExponential();
  const e = exp.indexOf("e");
  const digits = exp[1] === "." ? exp[0] + exp.slice(2, e) : exp.slice(0, e);
  const decpt = Number(exp.slice(e + 1)) + 1;
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`;
    if (decpt >= digits.length) return `${sign}${digits}${"0".repeat(decpt - digits.length)}.0`;
    return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const x = decpt - 1;
  return `${sign}${mantissa}e${x < 0 ? "-" : "+"}${String(Math.abs(x)).padStart(2, "0")}`;
}
