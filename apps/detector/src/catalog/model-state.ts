/**
 * The one model-state machine: every answer about a model (/models/{name}, /predict's refusals, /health/ready,
 * the metrics) is read from a model's status through the functions here, so they cannot disagree.
 *
 *   missing ──file appears──▶ not-loaded (lazy) / loading (eager)        ◀──file changes── any state with a file
 *   missing ──download starts──▶ fetching ──done──▶ as "file appears"; ──fails──▶ missing
 *   not-loaded ──first request──▶ loading ──▶ loaded | failed
 *   a file that fails the contract check ──▶ failed;  the file removed ──▶ missing (or gone, for a discovered file)
 */
export const MODEL_STATUSES = ['missing', 'fetching', 'not-loaded', 'loading', 'loaded', 'failed'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

/** A request for the model can be run (perhaps after loading it): its file is there and passed the checks. */
export const canServe = (status: ModelStatus): boolean => status === 'not-loaded' || status === 'loading' || status === 'loaded';

/** No file in the models folder, and no download running. */
export const isMissing = (status: ModelStatus): boolean => status === 'missing';

/** The official file is being downloaded. */
export const isFetching = (status: ModelStatus): boolean => status === 'fetching';

/** The runners are loading the file (eager loading starts them as soon as the file is seen). */
export const isLoading = (status: ModelStatus): boolean => status === 'loading';

/** Every runner that should hold the model has loaded it (one, for a lazy model). */
export const isLoaded = (status: ModelStatus): boolean => status === 'loaded';

/** The file is there but failed the contract check or could not be loaded. */
export const hasFailed = (status: ModelStatus): boolean => status === 'failed';

/** A request would not wait for a load in progress: loaded, or lazy and not loaded yet (the Open Inference Protocol's model ready). */
export const isModelReady = (status: ModelStatus): boolean => status === 'loaded' || status === 'not-loaded';

/** The model is being made ready and a retry will soon get a better answer. */
export const isSettling = (status: ModelStatus): boolean => status === 'fetching' || status === 'loading';

/**
 * Ready when at least one model can serve and, until start-up is over, nothing installed is still loading (eager
 * start-up waits for its models). A model added or replaced later loads while the others go on serving, so replicas
 * that share a models volume do not all turn unready at once. Downloads do not hold readiness back; a folder whose
 * files are all missing or broken is not ready.
 */
export function isReady(statuses: readonly ModelStatus[], startUpOver: boolean): boolean {
  return (startUpOver || statuses.every((status) => status !== 'loading')) && statuses.some(canServe);
}
