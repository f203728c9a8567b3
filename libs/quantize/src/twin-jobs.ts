import { basename, dirname, join } from 'node:path';
import { formatTwinAgreement, TwinAgreement } from './twin-agreement';

/** A float model that could have an INT8 twin: its served name and its file's absolute path. */
export interface FloatModelFile {
  name: string;
  file: string;
}

export interface TwinJob extends FloatModelFile {
  /** Where the twin goes: `<stem>-int8.onnx` beside the float file, served as `<stem>-int8`. */
  out: string;
}

/** `<stem>-int8.onnx` beside a float model's file. */
export function int8FileFor(floatFile: string): string {
  return join(dirname(floatFile), `${basename(floatFile, '.onnx')}-int8.onnx`);
}

/** The float models whose twin file does not exist yet, in the order given. */
export function twinJobs(models: readonly FloatModelFile[], exists: (file: string) => boolean): TwinJob[] {
  return models.map((model) => ({ ...model, out: int8FileFor(model.file) })).filter((job) => !exists(job.out));
}

/** What making the twins reports, in order, per job. */
export type TwinEvent =
  | { type: 'start'; job: TwinJob; index: number; total: number; photos: number }
  | { type: 'calibrating'; job: TwinJob; done: number; total: number }
  | { type: 'check'; job: TwinJob; photos: number }
  | { type: 'written'; job: TwinJob; bytes: number; seconds: number; agreement: TwinAgreement | null }
  | { type: 'failed'; job: TwinJob; error: string };

/** Calibration progress is told every this many photos (and at the last). */
const PROGRESS_EVERY = 8;

/** One log line per event worth a line; null for the calibration photos between progress lines. */
export function describeTwinEvent(event: TwinEvent): string | null {
  const twin = basename(event.job.out);
  switch (event.type) {
    case 'start':
      return `INT8 twin ${event.index + 1}/${event.total}: making ${twin} from ${event.job.name}, calibrating on ${event.photos} photos`;
    case 'calibrating':
      return event.done % PROGRESS_EVERY === 0 || event.done === event.total ? `INT8 twin ${twin}: calibrated ${event.done}/${event.total} photos` : null;
    case 'check':
      return event.photos > 0 ? `INT8 twin ${twin}: measuring its agreement with ${event.job.name} on ${event.photos} photos` : null;
    case 'written':
      return (
        `INT8 twin ${twin} written (${(event.bytes / 1e6).toFixed(1)} MB in ${event.seconds.toFixed(0)} s)` +
        (event.agreement ? `; agreement with ${event.job.name}: ${formatTwinAgreement(event.agreement)}` : '')
      );
    case 'failed':
      return `INT8 twin ${twin} not made: ${event.error}`;
  }
}
