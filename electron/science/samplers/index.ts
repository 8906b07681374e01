export type { StepHooks } from './steps';
export { runSteps, gridSteps } from './steps';
export { sampleEulerMaruyama, sampleExponentialIntegrator } from './sde';
export { sampleOdeEuler, sampleOdeHeun } from './ode';
export { sampleEdmHeun, edmSchedule, veDenoiser } from './edm';
export { sampleKde, sampleCifarKde, scottBandwidth } from './kde';
export type { NumericMatrix, CifarKdeOptions } from './kde';
export { sample, scheduleFor, hooksFromContext } from './sample';
export type { SampleSpec, SampleSource, SampleResult } from './sample';
