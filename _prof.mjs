import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '/work/main/dist/deep/backend.js';
import { buildCnn, DEFAULT_CNN, CNN_ARCHS, trainStep, trainableVariables } from '/work/main/dist/deep/cnn.js';
import { adam } from '/work/main/dist/deep/adam.js';
import { Rng } from '/work/main/dist/util/rng.js';
await selectBackend('wasm');
const arch = CNN_ARCHS[process.argv[2] ?? 'default'];
const model = buildCnn({height:28,width:28,channels:1,classes:10}, {...DEFAULT_CNN, filters: arch.filters, dense: arch.dense}, new Rng(1));
const opt = adam(1e-3); const vars = trainableVariables(model);
const xs = tf.randomUniform([64,28,28,1]);
const ys = tf.oneHot(tf.randomUniform([64],0,10,'int32'),10);
for (let i=0;i<10;i++) trainStep(model,opt,xs,ys,vars);
let t=performance.now(); for (let i=0;i<30;i++) trainStep(model,opt,xs,ys,vars); console.log('ms/step', ((performance.now()-t)/30).toFixed(2));
const agg = new Map();
for (let r=0;r<5;r++){
const info = await tf.profile(() => { trainStep(model,opt,xs,ys,vars); });
for (const k of info.kernels) { const e = agg.get(k.name) ?? {n:0,ms:0}; e.n++; e.ms += k.kernelTimeMs; agg.set(k.name, e); }
}
[...agg].sort((a,b)=>b[1].ms-a[1].ms).slice(0,10).forEach(([k,v])=>console.log(k.padEnd(28), (v.ms/5).toFixed(2),'ms', v.n/5));
