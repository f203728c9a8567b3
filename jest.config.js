// Two projects: fast unit specs beside the code, and e2e specs that run the built service as a real process.
const swc = ['@swc/jest', { swcrc: true }];
const moduleNameMapper = {
  '^@app/vision(|/.*)$': '<rootDir>/libs/vision/src$1',
  '^@app/model-store(|/.*)$': '<rootDir>/libs/model-store/src$1',
  '^@app/onnx-writer(|/.*)$': '<rootDir>/libs/onnx-writer/src$1',
  '^@app/accuracy(|/.*)$': '<rootDir>/libs/accuracy/src$1',
  '^@app/quantize(|/.*)$': '<rootDir>/libs/quantize/src$1',
};
const common = { rootDir: __dirname, transform: { '^.+\\.ts$': swc }, moduleNameMapper, testEnvironment: '<rootDir>/jest.environment.js' };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/*/src/**/*.spec.ts', '<rootDir>/scripts/test/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/apps/*/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/apps/detector/test/support/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/apps/detector/test/support/e2e-timeout.ts'],
    },
  ],
};
