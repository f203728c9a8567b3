export * from './official-models';
export * from './download-progress';
export * from './fetch-model';
export * from './calibration-photos';
