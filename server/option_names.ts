/**
 * Options that Pyro5 spells in lower case (`unixsocket`, `nathost`, `natport`, `bchost`,
 * `bcport`): ours are camelCase, and Pyro5's spelling is accepted too, so that code ported
 * from Python keeps working.
 *
 * @module
 */

/**
 * The value of an option given under its camelCase key or under Pyro5's spelling.
 *
 * @param camelCase the value under the camelCase key
 * @param pyro5 the value under Pyro5's spelling
 * @param names the two keys, for the error: `["unixSocket", "unixsocket"]`
 * @returns whichever was given, or undefined
 * @throws {TypeError} when both were given, with different values
 */
export function eitherSpelling<T>(
  camelCase: T | undefined,
  pyro5: T | undefined,
  names: readonly [string, string],
): T | undefined {
  if (camelCase !== undefined && pyro5 !== undefined && camelCase !== pyro5) {
    throw new TypeError(
      `${names[0]} and ${names[1]} are the same option spelled two ways: give one of them`,
    );
  }
  return camelCase ?? pyro5;
}
