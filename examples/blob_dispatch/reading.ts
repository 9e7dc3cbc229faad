// The data class that producers and listeners share (the dispatcher does not have it), and how
// it travels: as a dict with Pyro's `__class__` key, the same one reading.py uses.
import { registerClassToDict, registerDictToClass } from "../../mod.ts";

export class Reading {
  readonly source: string;
  readonly sensor: string;
  readonly value: number;

  constructor(source: string, sensor: string, value: number) {
    this.source = source;
    this.sensor = sensor;
    this.value = value;
  }

  toString(): string {
    return `Reading(${this.sensor}=${this.value}, from ${this.source})`;
  }
}

const CLASS = "blobdispatch.Reading";
registerClassToDict(Reading, (r) => {
  const { source, sensor, value } = r as Reading;
  return { __class__: CLASS, source, sensor, value };
});
registerDictToClass(
  CLASS,
  (_name, d) => new Reading(d.source as string, d.sensor as string, d.value as number),
);
