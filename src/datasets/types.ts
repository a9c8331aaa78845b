/** A labelled image dataset held in memory as flat typed arrays. */
export interface Dataset {
  readonly name: string;
  readonly source: string;
  /** Image geometry; features = height * width * channels. */
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly classes: number;
  /** Row-major samples x features, pixel intensities in [0, 1]. */
  readonly X: Float32Array;
  /** Class labels 0..classes-1, one per sample. */
  readonly y: Uint8Array;
  /** Sources decoded from image files: each sample's file and the sizes before resizing. */
  readonly images?: ImageProvenance;
  /** The user's sources: files, rows or images left out as bad (--skip-bad), and why. */
  readonly skipped?: readonly { readonly file: string; readonly reason: string }[];
}

export interface ImageProvenance {
  readonly files: readonly string[];
  readonly originalSizes: readonly { readonly width: number; readonly height: number; readonly count: number }[];
}

/**
 * What a defect-detection dataset adds: label 0 is defect-free, label c > 0 a defect of
 * kind kindNames[c - 1]; a mask per image (MASK_DEFECT = defective pixel, MASK_UNKNOWN = a
 * defective image without a mask, whose pixels no pixel AUROC counts); and the product
 * (texture) each image shows: detectors fit one model per group, as inspection fits one per
 * product. Sources with a split of their own (MVTec AD's train/ and test/) mark it in roles.
 */
export interface DetectionInfo {
  readonly masks: Uint8Array;
  readonly groups: Uint8Array;
  readonly groupNames: readonly string[];
  readonly kindNames: readonly string[];
  /** ROLE_TRAIN: may be trained on (defect-free); ROLE_EVALUATE: validation and test only. Absent: any image may go anywhere. */
  readonly roles?: Uint8Array;
}

export const MASK_DEFECT = 1;
export const MASK_UNKNOWN = 2;
export const ROLE_TRAIN = 0;
export const ROLE_EVALUATE = 1;

export interface DetectionDataset extends Dataset {
  readonly detection: DetectionInfo;
}

export function isDetection(d: Dataset): d is DetectionDataset {
  return (d as Partial<DetectionDataset>).detection !== undefined;
}

/** The detection part of a split: masks and groups of the test images, groups of the training ones. */
export interface DetectionSplitInfo {
  readonly maskTest: Uint8Array;
  readonly maskVal: Uint8Array;
  readonly groupTrain: Uint8Array;
  readonly groupVal: Uint8Array;
  readonly groupTest: Uint8Array;
  readonly groupNames: readonly string[];
  readonly kindNames: readonly string[];
}

/**
 * The train/validation/test split every runner of one repetition receives: identical bytes.
 * Training reads train; curves and every choice read validation; test is scored once.
 */
export interface Split {
  readonly dataset: string;
  readonly seed: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly classes: number;
  readonly features: number;
  readonly trainIndex: Uint32Array;
  readonly valIndex: Uint32Array;
  readonly testIndex: Uint32Array;
  readonly XTrain: Float32Array;
  readonly yTrain: Uint8Array;
  readonly XVal: Float32Array;
  readonly yVal: Uint8Array;
  readonly XTest: Float32Array;
  readonly yTest: Uint8Array;
  /** Present on detection datasets only (training images are then all defect-free). */
  readonly detection?: DetectionSplitInfo;
}

export function featureCount(d: { height: number; width: number; channels: number }): number {
  return d.height * d.width * d.channels;
}
