import { Matrix } from 'ml-matrix';
import { UsageError } from '../errors.js';

/** A design matrix as the API accepts it: an ml-matrix Matrix or a row-major typed array with its shape. */
export type DesignInput = Matrix | { readonly data: Float32Array | Float64Array; readonly rows: number; readonly columns: number };

/** Targets: one vector, several vectors, or an ml-matrix Matrix with one column per target. */
export type TargetInput = ArrayLike<number> | readonly ArrayLike<number>[] | Matrix;

export interface Design {
  readonly data: Float32Array | Float64Array;
  readonly n: number;
  readonly p: number;
}

export function asDesign(X: DesignInput): Design {
  if (X instanceof Matrix) return { data: Float64Array.from(X.to1DArray()), n: X.rows, p: X.columns };
  if (!(X.data instanceof Float32Array || X.data instanceof Float64Array)) {
    throw new UsageError('X.data must be a Float32Array or Float64Array (row-major)');
  }
  return { data: X.data, n: X.rows, p: X.columns };
}

export function asTargets(Y: TargetInput, n: number): Float64Array[] {
  let targets: Float64Array[];
  if (Y instanceof Matrix) targets = Array.from({ length: Y.columns }, (_, c) => Float64Array.from(Y.getColumn(c)));
  else if (isVectorList(Y)) targets = Y.map((y) => Float64Array.from(y));
  else targets = [Float64Array.from(Y as ArrayLike<number>)];
  if (targets.length === 0) throw new UsageError('y: no targets given');
  targets.forEach((y, t) => {
    if (y.length !== n) throw new UsageError(`y${targets.length > 1 ? `[${t}]` : ''} has ${y.length} values, X has ${n} rows`);
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(y[i])) throw new UsageError(`y${targets.length > 1 ? `[${t}]` : ''}[${i}] is ${y[i]}, not finite`);
    }
  });
  return targets;
}

function isVectorList(Y: TargetInput): Y is readonly ArrayLike<number>[] {
  return Array.isArray(Y) && Y.length > 0 && typeof Y[0] === 'object' && Y[0] !== null && 'length' in (Y[0] as object);
}
