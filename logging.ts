/**
 * Logging as Pyro5 documents it: silent unless `PYRO_LOGLEVEL` (config
 * `LOGLEVEL`) is set; then lines go to `PYRO_LOGFILE` (default `pyro5.log`),
 * or to standard error when it is `{stderr}`, under logger names like
 * Pyro5's (`Pyro5.core`, `Pyro5.client`, `Pyro5.server`, ...). Users can plug
 * in their own handler.
 *
 * @example
 * ```ts
 * import { getLogger, setLogHandler } from "@pyro5/pyro5";
 * setLogHandler((r) => console.log(r.name, r.levelName, r.message));
 * getLogger("Pyro5.client").info("connected");
 * ```
 *
 * @module
 */
import { config } from "./config.ts";
import { fileLineSink } from "./transport/log_file.ts";

/** Python's numeric log levels. */
export const LogLevel = {
  DEBUG: 10,
  INFO: 20,
  WARNING: 30,
  ERROR: 40,
  CRITICAL: 50,
} as const;

/** One log line before formatting. */
export interface LogRecord {
  /** When it was logged. */
  time: Date;
  /** Logger name, e.g. `Pyro5.client`. */
  name: string;
  /** Numeric level. */
  level: number;
  /** Level name, e.g. `INFO`. */
  levelName: string;
  /** The message. */
  message: string;
}

/** Receives every record at or above the configured level. */
export type LogHandler = (record: LogRecord) => void;

const LEVEL_NAMES: Record<number, string> = {
  10: "DEBUG",
  20: "INFO",
  30: "WARNING",
  40: "ERROR",
  50: "CRITICAL",
};

let userHandler: LogHandler | null = null;
let userLevel: number | null = null;

/**
 * Replaces where log records go. With a handler set, records at or above
 * `level` (default DEBUG) reach it whatever `LOGLEVEL` says; `null` restores
 * Pyro5's behaviour.
 *
 * @param handler the function that receives records, or null
 * @param level the lowest level passed on
 * @example
 * ```ts
 * import { LogLevel, setLogHandler } from "@pyro5/pyro5";
 * setLogHandler((r) => console.log(`${r.name}: ${r.message}`), LogLevel.INFO);
 * ```
 */
export function setLogHandler(handler: LogHandler | null, level: number = LogLevel.DEBUG): void {
  userHandler = handler;
  userLevel = handler ? level : null;
}

function configuredLevel(): number {
  if (userLevel !== null) return userLevel;
  const name = config.LOGLEVEL;
  if (!name) return Infinity;
  const level = (LogLevel as Record<string, number>)[name.toUpperCase()];
  if (level === undefined) {
    throw new RangeError(
      `invalid PYRO_LOGLEVEL ${JSON.stringify(name)}: use DEBUG, INFO, WARNING, ERROR or CRITICAL`,
    );
  }
  return level;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Formats a record as Pyro5's default log format does. */
export function formatRecord(r: LogRecord): string {
  const t = r.time;
  const stamp = `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${
    pad(t.getHours())
  }:${pad(t.getMinutes())}:${pad(t.getSeconds())}.${pad(t.getMilliseconds(), 3)}`;
  return `[${stamp},${r.name},${r.levelName}] ${r.message}`;
}

let fileSink: ((line: string) => void) | null = null;
let fileSinkPath = "";

function defaultHandler(record: LogRecord): void {
  const line = formatRecord(record);
  if (config.LOGFILE === "{stderr}") {
    console.error(line);
    return;
  }
  if (fileSink === null || fileSinkPath !== config.LOGFILE) {
    fileSinkPath = config.LOGFILE;
    fileSink = fileLineSink(fileSinkPath);
  }
  try {
    fileSink(line);
  } catch {
    // A log file that cannot be written must not break the program: fall back to stderr.
    console.error(line);
  }
}

/** A named logger. */
export interface Logger {
  /** The logger name. */
  readonly name: string;
  /** True when a record of this level would be written. */
  isEnabledFor(level: number): boolean;
  /** Logs at DEBUG. */
  debug(message: string): void;
  /** Logs at INFO. */
  info(message: string): void;
  /** Logs at WARNING. */
  warning(message: string): void;
  /** Logs at ERROR. */
  error(message: string): void;
}

/**
 * A logger under a Pyro5-style name.
 *
 * @param name e.g. `Pyro5.core`
 * @returns the logger
 * @example
 * ```ts
 * import { getLogger } from "@pyro5/pyro5";
 * const log = getLogger("Pyro5.server");
 * if (log.isEnabledFor(10)) log.debug("expensive detail");
 * ```
 */
export function getLogger(name: string): Logger {
  const emit = (level: number, message: string) => {
    if (level < configuredLevel()) return;
    const record = { time: new Date(), name, level, levelName: LEVEL_NAMES[level], message };
    (userHandler ?? defaultHandler)(record);
  };
  return {
    name,
    isEnabledFor: (level) => level >= configuredLevel(),
    debug: (m) => emit(LogLevel.DEBUG, m),
    info: (m) => emit(LogLevel.INFO, m),
    warning: (m) => emit(LogLevel.WARNING, m),
    error: (m) => emit(LogLevel.ERROR, m),
  };
}
