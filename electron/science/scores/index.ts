export type { Score, DenoisingScore } from './score';
export { hasDenoiser, scoreFromDenoised, tweedieScore } from './score';
export {
  empiricalScore, tfjsEmpiricalScore, nativeEmpiricalScore,
  type EmpiricalScore, type EmpiricalScoreOptions, type NativeEmpiricalOptions, type TopWeights,
} from './empirical';
export { isotropicGaussianScore, gaussianScore, fitGaussian, symmetricEigen } from './gaussian';
