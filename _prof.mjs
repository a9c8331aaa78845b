import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '/work/main/dist/deep/backend.js';
import { buildCnn, DEFAULT_CNN, trainStep } from '/work/main/dist/deep/cnn.js';
import { Rng } from '/work/main/dist/util/rng.js';
await selectBackend(process.argv[2] ?? 'wasm');
const model = buildCnn({height:28,width:28,channels:1,classes:10}, DEFAULT_CNN, new Rng(1));
const opt = tf.train.adam(1e-3);
const xs = tf.randomUniform([64,28,28,1]);
const ys = tf.oneHot(tf.randomUniform([64],0,10,'int32'),10);
for (let i=0;i<20;i++) trainStep(model,opt,xs,ys);
let t=performance.now(); for (let i=0;i<100;i++) trainStep(model,opt,xs,ys); console.log('ms/step', ((performance.now()-t)/100).toFixed(2));
const agg = new Map();
for (let r=0;r<10;r++){
const info = await tf.profile(() => { trainStep(model,opt,xs,ys); });
for (const k of info.kernels) { const e = agg.get(k.name) ?? {n:0,ms:0}; e.n++; e.ms += k.kernelTimeMs; agg.set(k.name, e); }
}
let tot=0; for (const v of agg.values()) tot+=v.ms/10; console.log('sum kernel ms', tot.toFixed(2), 'kernels', [...agg.values()].reduce((a,v)=>a+v.n/10,0));
[...agg].sort((a,b)=>b[1].ms-a[1].ms).slice(0,16).forEach(([k,v])=>console.log(k.padEnd(28), (v.ms/10).toFixed(2),'ms', v.n/10));
