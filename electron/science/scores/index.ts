export type { Score, DenoisingScore } from './score';
export { hasDenoiser, scoreFromDenoised } from './score';
export type { EmpiricalScore, EmpiricalScoreOptions, DataMatrix, TopWeights, Neighbours } from './empirical';
export { empiricalScore } from './empirical';
export { isotropicGaussianScore, gaussianScore, fitGaussian, symmetricEigen } from './gaussian';
export { tfjsEmpiricalScore } from './empirical';
export { nativeEmpiricalScore, type NativeEmpiricalOptions } from './native-empirical';
