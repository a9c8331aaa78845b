/** sparsebench as a library: everything the CLI does, importable. */
export { Rng } from './util/rng.js';
export { UsageError } from './errors.js';
export type { Dataset, Split } from './datasets/types.js';
export { loadMnist } from './datasets/mnist.js';
export { stratifiedSplit, detectionSplit, makeSplit, validationView, defaultValidationSize, type SplitOptions } from './datasets/split.js';
export { datasetNames, datasetEntry, loadDataset, registerDataset } from './datasets/registry.js';
export { defineDataset, type DatasetEntry } from './datasets/define.js';
export { exportSplit, type ExportMeta } from './datasets/export.js';
export { selectBackend, parseBackendChoice, type BackendChoice, type BackendInfo } from './deep/backend.js';
export { makeConv2DBackpropFilter } from './deep/kernels/conv2d-backprop-filter.js';
export { registerMissingWasmKernels, replaceSlowWasmKernels } from './deep/kernels/register.js';
export { buildCnn, DEFAULT_CNN, type CnnConfig } from './deep/cnn.js';
export { centeredGram } from './sparse/gram.js';
export { cdGram, cdNaive, alphaMax, geometricGrid, DEFAULT_CD, type CdOptions, type CdResult } from './sparse/lasso.js';
export { CenteredDesign, type CdMode } from './sparse/design.js';
export {
  fitLassoClassifier,
  predict,
  accuracyOf,
  DEFAULT_LASSO_CLASSIFIER,
  type LassoClassifierOptions,
  type LinearModel,
} from './sparse/classifier.js';
export type { Runner, RunnerHooks, RunnerOutput, CurvePoint, MetricName, Runtime } from './runners/types.js';
export { TEST_ACCURACY, IMAGE_AUROC } from './runners/types.js';
export { getRunner, runnerNames, registerRunner } from './runners/registry.js';
export { defineRunner } from './runners/define.js';
export { Meter, type MeterReading } from './meter/meter.js';
export { estimateEnergy, estimateConstants, type EnergyRecord, type EstimateConstants } from './meter/model.js';
export { convert, DEFAULT_CONVERSION, type Conversion } from './meter/carbon.js';
export { runRecordSchema, SCHEMA_VERSION, type RunRecord, type ResultEntry } from './results/schema.js';
export { writeRecord, readRecords, readRecord } from './results/store.js';
export { renderReadme, writeReport } from './report/readme.js';
export { summarise, ratios } from './report/tables.js';
export { getSuite, SUITE_NAMES, type Suite } from './suite/suites.js';
export { runSuite, planRun, checkWritableDir, type RunOptions } from './suite/run.js';
export { meteredTrain, type Trained } from './suite/window.js';
export { lasso, elasticNet, type ElasticNetOptions, type ElasticNetFit } from './sparse/estimators.js';
export { lassoPath, enetPath, oneVsRestTargets, type PathOptions, type PathResult } from './sparse/path.js';
export type { DesignInput, TargetInput } from './sparse/input.js';
export { lassoCodes, ompCodes, atomGram } from './sparse/coding.js';
export { onlineDictionary, batchDictionary, type DictionaryOptions, type DictionaryFit } from './sparse/dictionary.js';
export { extractPatches, reassemble } from './sparse/patches.js';
export { pooledFeatures } from './sparse/features.js';
export { openSensors, measureIdle, type SensorSet } from './meter/sensors.js';
export { discoverRapl, RaplPoller } from './meter/rapl.js';
export { NvidiaSampler, parseNvidiaCsv } from './meter/nvidia.js';
export { runMetered } from './meter/child.js';
export { strubellEstimate, parseIntensity, INTENSITY_PRESETS } from './meter/carbon.js';
export { cnnFlops, pfsDays } from './meter/flops.js';
export { measureCommand } from './suite/measure.js';
export { compareRecords, DEFAULT_GATES, type Gates, type Comparison } from './report/compare.js';
export { claims, CLAIM, type Claim } from './report/claims.js';
export { mergeShards } from './results/merge.js';
export { makeExternalRunner, type ExternalSpec } from './runners/external.js';
export { generateDefects, DEFECTS_DATASET, DEFECT_KINDS, TEXTURE_FAMILIES } from './datasets/defects.js';
export type { DetectionDataset, DetectionInfo, DetectionSplitInfo } from './datasets/types.js';
export { auroc, heatMap, windowMeans, quantile } from './detect/scoring.js';
export { evaluateDetection, errorScores, SCORING, type DetectionEvaluation, type Heatmaps } from './detect/evaluate.js';
export { buildAutoencoder, DEFAULT_AUTOENCODER, type AutoencoderConfig } from './deep/autoencoder.js';
export { OnlineDictionaryLearner } from './sparse/dictionary.js';
