// The model worker's entry (a module worker started by the page): bridges two gaps between
// wgpu 30 / burn's kernels and Chromium's WebGPU before the worker creates its GPU device, then
// starts the worker's WebAssembly module, whose `main` runs the message loop.

// (1) wgpu's WebGPU backend cannot request the
// "subgroups" feature (missing from its feature table), yet burn's matmul and reduce kernels
// emit `enable subgroups;` — so request it whenever the adapter has it; (2) those kernels
// call subgroup operations from control flow that Chromium's uniformity analysis rejects —
// so turn that diagnostic off in such shaders (the kernels are correct as written).
if (self.navigator.gpu && self.GPUAdapter && self.GPUDevice) {
  const requestDevice = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = function (desc = {}) {
    const features = new Set(desc.requiredFeatures || []);
    if (this.features.has('subgroups')) features.add('subgroups');
    return requestDevice.call(this, { ...desc, requiredFeatures: [...features] });
  };
  const createShaderModule = GPUDevice.prototype.createShaderModule;
  GPUDevice.prototype.createShaderModule = function (desc) {
    if (desc && typeof desc.code === 'string' && desc.code.includes('enable subgroups;') && !desc.code.includes('subgroup_uniformity')) {
      desc = { ...desc, code: desc.code.replace('enable subgroups;', 'enable subgroups;\ndiagnostic(off, subgroup_uniformity);') };
    }
    return createShaderModule.call(this, desc);
  };
}

// The backend the user chose (the page passes it as `?backend=`): `auto` takes WebGPU only on a
// hardware adapter, since a software one (SwiftShader, lavapipe: `isFallbackAdapter`) runs every
// kernel on the CPU, tens of times slower than the page's own CPU path (docs/BENCHMARKS.md);
// `webgpu` takes any adapter; `cpu` none. An adapter not taken is hidden from the module (the
// browser then answers that it has none) and the reason is left for it in
// `self.activscalarCpuReason`, which it shows instead of its own.
const CHOICE = new URL(self.location.href).searchParams.get('backend') || 'auto';
async function gpuAdapter() {
  if (!self.navigator.gpu) return null;
  const adapter = await self.navigator.gpu.requestAdapter().catch(() => null);
  if (!adapter || CHOICE === 'webgpu') return adapter;
  let reason = null;
  if (CHOICE === 'cpu') {
    reason = 'running on the CPU, as chosen in Run on';
  } else if (adapter.info && adapter.info.isFallbackAdapter) {
    const name = [adapter.info.vendor, adapter.info.architecture].filter(Boolean).join(' ') || 'unnamed';
    reason = `this browser's only WebGPU adapter (${name}) is a software one: it runs on the CPU, far slower than the page's own CPU path, which runs instead (pick "WebGPU, even a software adapter" in Run on to use the adapter anyway)`;
  }
  if (!reason) return adapter;
  self.activscalarCpuReason = reason;
  self.navigator.gpu.requestAdapter = async () => null;
  return null;
}

// Which module: the standard one (WebGPU, else the CPU on this one thread), or — where the site
// has it (scripts/build-threads.sh), the page is cross-origin isolated (shared memory needs it)
// and no WebGPU adapter is taken — the multi-threaded CPU module, which has no WebGPU backend.
const STANDARD = './activscalar-worker.js';
const THREADED = './activscalar-worker-mt.js';
async function chooseModule() {
  const adapter = await gpuAdapter();
  if (!self.crossOriginIsolated || adapter) return STANDARD;
  const there = await fetch(THREADED, { method: 'HEAD' }).then((r) => r.ok, () => false);
  return there ? THREADED : STANDARD;
}

// A threaded module that cannot start (no shared memory of its size on this device, say) leaves
// the standard one, not a dead worker.
async function start() {
  if ((await chooseModule()) === THREADED) {
    try {
      const { default: init } = await import(THREADED);
      await init();
      return;
    } catch (e) {
      console.warn('the multi-threaded worker did not start; starting the standard one:', e);
    }
  }
  const { default: init } = await import(STANDARD);
  await init();
}

await start();
