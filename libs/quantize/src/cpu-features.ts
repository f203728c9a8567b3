import { readFileSync } from 'node:fs';

/**
 * The CPU features that decide how fast ONNX Runtime's INT8 kernels are. With VNNI (AVX-512 VNNI or AVX-VNNI) a
 * single instruction multiplies uint8 by int8 and accumulates in int32; without it, AVX2/AVX-512 need three, and
 * INT8 convolutions gain little or nothing over FP32.
 */
export interface Int8CpuFeatures {
  vnni: boolean;
  /** The relevant flags present, e.g. ['avx2', 'avx512f', 'avx512_vnni']. */
  flags: string[];
  /** One line for a log or an API answer. */
  summary: string;
}

const RELEVANT_FLAGS = ['avx2', 'avx512f', 'avx512bw', 'avx512_vnni', 'avx_vnni', 'amx_int8'] as const;
const VNNI_FLAGS = new Set(['avx512_vnni', 'avx_vnni', 'amx_int8']);

/** Reads the flags of the first processor in /proc/cpuinfo text; no text (another OS) means unknown, reported as no VNNI. */
export function int8CpuFeatures(cpuinfo: string | undefined): Int8CpuFeatures {
  const line = cpuinfo?.split('\n').find((text) => /^(flags|Features)\s*:/.test(text));
  const present = new Set(line ? line.slice(line.indexOf(':') + 1).trim().split(/\s+/) : []);
  const flags = RELEVANT_FLAGS.filter((flag) => present.has(flag));
  const vnni = flags.some((flag) => VNNI_FLAGS.has(flag));
  let summary: string;
  if (vnni) summary = `INT8 fast path available (${flags.filter((flag) => VNNI_FLAGS.has(flag)).join(', ')})`;
  else if (line) summary = 'no VNNI on this CPU: INT8 models are served but may be no faster than FP32';
  else summary = 'CPU flags unknown (no /proc/cpuinfo): INT8 models are served but may be no faster than FP32';
  return { vnni, flags, summary };
}

/** This machine's features, from /proc/cpuinfo (Linux; elsewhere reported as unknown). */
export function hostInt8CpuFeatures(): Int8CpuFeatures {
  let cpuinfo: string | undefined;
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    cpuinfo = undefined;
  }
  return int8CpuFeatures(cpuinfo);
}
