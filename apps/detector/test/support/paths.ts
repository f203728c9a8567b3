import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../../../..');
export const CORPUS_DIR = resolve(REPO_ROOT, '../shared/corpus');
export const SHARED_MODELS_DIR = resolve(REPO_ROOT, '../shared/models');
export const corpusFile = (relative: string) => join(CORPUS_DIR, relative);
/** The service's entry point inside a build (`npm start` runs dist/ + this). */
export const BUILT_ENTRY = 'dist/apps/detector/apps/detector/src/main.js';
/** The built service (jest's e2e globalSetup runs `nest build` first). */
export const SERVICE_ENTRY = join(REPO_ROOT, BUILT_ENTRY);
/** Scratch space shared by the e2e run: fixture model directories live here. */
export const E2E_TMP = join(REPO_ROOT, 'artifacts/e2e');
export const STATIC_MODELS_DIR = join(E2E_TMP, 'models-static');
export const DYNAMIC_MODELS_DIR = join(E2E_TMP, 'models-dynamic');
