/**
 * Remote errors as a user reads them: an uncaught remote exception shows the Python traceback and
 * the caller's own frames, not the frames of the parser that rebuilt it.
 *
 * @module
 */
import { getPyroTraceback } from "../errors.ts";

type CaptureStackTrace = (target: object, constructorOpt?: unknown) => void;

/**
 * Gives a remote error a stack taken where it is thrown to the caller (after the reply arrived,
 * inside the caller's async chain), with the remote traceback after its first line.
 *
 * @param error the error rebuilt from the reply
 * @returns the same error
 */
export function atCallSite<E extends Error>(error: E): E {
  const capture = (Error as unknown as { captureStackTrace?: CaptureStackTrace })
    .captureStackTrace;
  if (!capture) return error;
  const here: { stack?: string } = {};
  capture(here, atCallSite);
  const lines = (here.stack ?? "").split("\n");
  // V8 and JavaScriptCore start the text with the error's own line ("Error"); keep only frames.
  const frames = lines.filter((l) => /^\s+at /.test(l)).join("\n");
  try {
    error.stack = `${error.name}: ${error.message}\n${getPyroTraceback(error)}${frames}`;
  } catch { /* a frozen error keeps its stack */ }
  return error;
}
