/** Jest in native ESM with swc: see docs/adr/0001-typescript-toolchain.md. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
      },
    ],
  },
  testMatch: ['<rootDir>/packages/*/src/**/*.test.ts', '<rootDir>/packages/*/test/**/*.test.ts', '<rootDir>/benchmarks/**/*.test.ts', '<rootDir>/e2e/**/*.test.ts', '<rootDir>/drivers/test/**/*.test.ts'],
  setupFiles: ['<rootDir>/jest.setup.js'],
  // The driver suite's installs (Go module cache, venv) live in .drivers/ and must not be crawled.
  modulePathIgnorePatterns: ['<rootDir>/.drivers/', '<rootDir>/.tools/'],
  watchPathIgnorePatterns: ['<rootDir>/.drivers/'],
  testTimeout: 60000,
};
