// One object per process (or page) that owns the GPUDevice: adapter choice, limits, error capture,
// the pipeline cache, buffer pool, typed upload/readback, and batched dispatch recording.
import { type AdapterChoice, gpuProvider } from './adapters.js';
import { GpuError } from './errors.js';
import { type Constants, type Kernel, kernelKey, kernelSource } from './kernel.js';
import { type KernelCache, memoryCache } from './kernels.js';
import { missingLimit } from './limits.js';
import { BufferPool } from './pool.js';
import type { AdapterDescription } from '../util/provenance.js';

export interface GpuOptions {
  /**
   * 'auto' | 'lavapipe' | 'swiftshader' | a substring of the adapter name; default the provider's
   * (in Node, ENGINE_ADAPTER), else 'auto'.
   */
  adapter?: AdapterChoice;
  /**
   * Dawn's robustness transform (bounds clamping in every shader) off. Default: off on lavapipe,
   * whose Vulkan driver bounds-checks every storage access itself (out-of-range reads give 0,
   * writes are dropped), so the transform only repeats that work (1024³ matmul 7.8 -> 12.6
   * GFLOP/s); on for every other adapter.
   */
  fast?: boolean;
  /**
   * Says which adapter is in use, as one line: to this callback, or (true, the default) to the
   * provider's log (stderr in Node, the console in a browser); false says nothing.
   */
  announce?: boolean | ((line: string) => void);
  /**
   * Kernel variants by family that this device must use (e.g. { matmul: 'tiled64' }, or 'trial' to
   * time the eligible ones even on a CPU adapter); default the provider's (Node: ENGINE_MATMUL, ENGINE_ATTENTION).
   */
  kernels?: Record<string, string>;
}

export type TypedArray = Float32Array | Uint32Array | Int32Array | Uint16Array | Uint8Array;
type TypedCtor<T extends TypedArray> = { new (buf: ArrayBuffer): T; BYTES_PER_ELEMENT: number };

// Usage flags by value: GPUBufferUsage exists only once Dawn's globals are installed.
export const STORAGE = 0x80 | 0x04 | 0x08; // STORAGE | COPY_SRC | COPY_DST
const UNIFORM = 0x40 | 0x08; // UNIFORM | COPY_DST
// The declaration that marks a kernel built on shaders/detmath.wgsl's float path (see bindDetMath).
const DM_ZERO = 'var<uniform> dm_zero';
const MAP_READ = 0x01 | 0x08; // MAP_READ | COPY_DST

/**
 * A storage binding: a whole buffer, or a range of one (offset a multiple of the device's
 * minStorageBufferOffsetAlignment, 256 bytes on most adapters), e.g. one tensor of a flat parameter buffer.
 */
export type Binding = GPUBuffer | { buffer: GPUBuffer; offset: number; size: number };

/** One dispatch: bindings in @binding order (group 0), an optional uniform block last. */
export interface Dispatch {
  kernel: Kernel;
  constants?: Constants;
  buffers: Binding[];
  /** A uniform struct bound after the buffers, as 32-bit words (see Params). */
  params?: Uint32Array;
  workgroups: [number, number?, number?];
}

export class Gpu {
  readonly pool: BufferPool;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly pending = new Map<string, Promise<GPUComputePipeline>>();
  private readonly uniforms = new Map<string, GPUBuffer>();
  /** Group 1 of the pipelines that read shaders/detmath.wgsl's `dm_zero`, by pipeline key. */
  private readonly detMathGroups = new Map<string, GPUBindGroup>();
  private zeroBuffer?: GPUBuffer;
  private lost?: string;
  private uncaptured: string[] = [];
  // Waiting without spinning: see idle().
  private pendingSince = 0;
  private pendingWork: string[] = [];
  private readonly fastest = new Map<string, number>();
  /** Kernel variants by family forced for this device (GpuOptions.kernels). */
  forced: Readonly<Record<string, string>> = {};
  kernelCache: KernelCache = memoryCache();
  /** The variant each kernel family runs on here, once chosen (ts/ops/matmul_select.ts): provenance. */
  readonly kernels: Record<string, string> = {};

  private constructor(
    readonly device: GPUDevice,
    readonly adapterName: string,
    readonly adapterKind: string,
    readonly subgroupSize: { min: number; max: number },
    /** The adapter as GPUAdapterInfo describes it, for provenance and fingerprints. */
    readonly adapterInfo: AdapterDescription,
  ) {
    this.pool = new BufferPool(device);
    device.lost.then((info) => {
      this.lost = `${info.reason}: ${info.message}`;
    });
    device.addEventListener('uncapturederror', (ev) => {
      this.uncaptured.push((ev as GPUUncapturedErrorEvent).error.message);
    });
  }

  static async create(opts: GpuOptions = {}): Promise<Gpu> {
    const provider = gpuProvider();
    const choice = opts.adapter ?? provider.defaultChoice() ?? 'auto';
    const robustnessOff = (kind: string) => opts.fast ?? kind === 'lavapipe';
    const { adapter, name, kind, toggles } = await provider.requestAdapter(choice, (k) =>
      robustnessOff(k) ? ['allow_unsafe_apis', 'disable_robustness'] : [],
    );
    const fast = toggles.includes('disable_robustness');
    const L = adapter.limits;
    const short = missingLimit(L, name);
    if (short) throw new GpuError(short, 'limit');
    // Ask for what the adapter offers for the limits a training engine runs into.
    const requiredLimits: Record<string, number> = {
      maxBufferSize: L.maxBufferSize,
      maxStorageBufferBindingSize: L.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: L.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: L.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: L.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: L.maxComputeWorkgroupSizeY,
      maxComputeWorkgroupsPerDimension: L.maxComputeWorkgroupsPerDimension,
      maxStorageBuffersPerShaderStage: L.maxStorageBuffersPerShaderStage,
    };
    const requiredFeatures: GPUFeatureName[] = [];
    if (adapter.features.has('subgroups')) requiredFeatures.push('subgroups' as GPUFeatureName);
    // f16 storage and arithmetic for the kernels that offer it (matmul's f16 option).
    if (adapter.features.has('shader-f16')) requiredFeatures.push('shader-f16');
    const device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'engine' });
    const info = adapter.info as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number };
    const subgroups = { min: info.subgroupMinSize ?? 0, max: info.subgroupMaxSize ?? 0 };
    const gpu = new Gpu(device, name, kind, subgroups, {
      name,
      kind,
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
      subgroupMinSize: subgroups.min,
      subgroupMaxSize: subgroups.max,
    });
    gpu.forced = opts.kernels ?? provider.forcedKernels?.() ?? {};
    gpu.kernelCache = provider.kernelCache?.() ?? gpu.kernelCache;
    const announce = opts.announce ?? true;
    if (announce) {
      const line = `webgpu adapter: ${name} (${kind}${fast ? ', Dawn robustness off' : ''})`;
      (announce === true ? provider.log : announce)(line);
    }
    return gpu;
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /** Whether shaders may use f16 (the adapter's shader-f16 feature). */
  get hasF16(): boolean {
    return this.device.features.has('shader-f16');
  }

  /** Whether shaders may use subgroup operations (the device is opened with them where offered). */
  get hasSubgroups(): boolean {
    return this.device.features.has('subgroups');
  }

  private checkAlive(): void {
    if (this.lost) throw new GpuError(`GPU device lost (${this.lost})`, 'device-lost');
  }

  /**
   * A storage buffer (also a copy source/destination) of `bytes` bytes, checked against the
   * adapter's maxBufferSize. Each binding of it must stay within maxStorageBufferBindingSize
   * (bind ranges of a larger buffer; a larger binding is a validation error naming the shader).
   */
  buffer(bytes: number, label = 'buffer', usage = STORAGE): GPUBuffer {
    this.checkAlive();
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    const L = this.device.limits;
    if (size > L.maxBufferSize) {
      throw new GpuError(
        `buffer '${label}' needs ${size} bytes, over the adapter's maxBufferSize ${L.maxBufferSize}`,
        'limit',
      );
    }
    return this.device.createBuffer({ size, usage, label });
  }

  /** A storage buffer holding `data`. */
  upload(data: TypedArray, label = 'upload'): GPUBuffer {
    const buf = this.buffer(data.byteLength, label);
    this.write(buf, data);
    return buf;
  }

  write(buf: GPUBuffer, data: TypedArray, byteOffset = 0): void {
    this.checkAlive();
    // writeBuffer needs a multiple of 4 bytes.
    if (data.byteLength % 4) {
      const padded = new Uint8Array(Math.ceil(data.byteLength / 4) * 4);
      padded.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      this.device.queue.writeBuffer(buf, byteOffset, padded);
    } else this.device.queue.writeBuffer(buf, byteOffset, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Copies `count` elements from `buf` (after all submitted work) into a new typed array. */
  async read<T extends TypedArray>(buf: GPUBuffer, type: TypedCtor<T>, count?: number, elemOffset = 0): Promise<T> {
    this.checkAlive();
    const n = count ?? Math.floor((buf.size - elemOffset * type.BYTES_PER_ELEMENT) / type.BYTES_PER_ELEMENT);
    const bytes = n * type.BYTES_PER_ELEMENT;
    const size = Math.ceil(bytes / 4) * 4;
    const staging = this.pool.acquire(size, MAP_READ);
    await this.submitChecked(
      () => {
        const enc = this.device.createCommandEncoder({ label: 'readback' });
        enc.copyBufferToBuffer(buf, elemOffset * type.BYTES_PER_ELEMENT, staging, 0, size);
        return [enc.finish()];
      },
      `readback of '${buf.label}'`,
      undefined,
      `read:${bytes}`,
    );
    await this.idle();
    await staging.mapAsync(0x0001, 0, size);
    const out = new type(staging.getMappedRange(0, size).slice(0, bytes));
    staging.unmap();
    this.pool.release(staging);
    return out;
  }

  /** The compiled pipeline for a kernel and constants; compile errors name the shader and line. */
  async pipeline(kernel: Kernel, constants?: Constants): Promise<GPUComputePipeline> {
    const key = kernelKey(kernel, constants);
    const hit = this.pipelines.get(key);
    if (hit) return hit;
    let p = this.pending.get(key);
    if (!p) {
      p = this.compile(kernel, constants, key);
      this.pending.set(key, p);
    }
    try {
      const pipe = await p;
      this.pipelines.set(key, pipe);
      return pipe;
    } finally {
      this.pending.delete(key);
    }
  }

  private async compile(kernel: Kernel, constants: Constants | undefined, key: string): Promise<GPUComputePipeline> {
    this.checkAlive();
    const code = kernelSource(kernel);
    const module = this.device.createShaderModule({ code, label: kernel.name });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length) {
      const text = errors.map((m) => `${kernel.name}.wgsl:${m.lineNum}:${m.linePos}: ${m.message}`).join('\n');
      throw new GpuError(`shader '${kernel.name}' failed to compile:\n${text}`, 'compile', kernel.name);
    }
    const c: Record<string, number> = {};
    for (const [k, v] of Object.entries(constants ?? {})) c[k] = +v;
    try {
      const pipe = await this.device.createComputePipelineAsync({
        label: key,
        layout: 'auto',
        compute: { module, entryPoint: kernel.entry, constants: c },
      });
      if (code.includes(DM_ZERO)) await this.bindDetMath(pipe, key);
      return pipe;
    } catch (e) {
      throw new GpuError(
        `shader '${kernel.name}' (entry '${kernel.entry}'): pipeline creation failed: ${(e as Error).message}`,
        'compile',
        kernel.name,
      );
    }
  }

  /**
   * Gives `pipe` its bind group 1: the zero uniform behind shaders/detmath.wgsl's `dm_zero` (a zero
   * no compiler can see, so no product is fused or rewritten with the add it feeds). An entry point that never calls the
   * deterministic math has no group 1 in its 'auto' layout; the refused bind group says so.
   */
  private async bindDetMath(pipe: GPUComputePipeline, key: string): Promise<void> {
    this.zeroBuffer ??= this.device.createBuffer({ size: 16, usage: UNIFORM, label: 'dm_zero' }); // zeroed
    this.device.pushErrorScope('validation');
    let group: GPUBindGroup | undefined;
    try {
      const layout = pipe.getBindGroupLayout(1);
      group = this.device.createBindGroup({ layout, entries: [{ binding: 0, resource: { buffer: this.zeroBuffer } }] });
    } catch {
      // no group 1 here: as the error scope's error says
    }
    if (!(await this.device.popErrorScope()) && group) this.detMathGroups.set(key, group);
  }

  /** Compiles every pipeline a batch needs up front (in parallel), so recording stays synchronous. */
  async prepare(dispatches: Dispatch[]): Promise<void> {
    await Promise.all(dispatches.map((d) => this.pipeline(d.kernel, d.constants)));
  }

  /** A cached, immutable uniform buffer for a params block (shapes repeat step after step). */
  private uniform(u32: Uint32Array): GPUBuffer {
    const key = u32.join(',');
    let buf = this.uniforms.get(key);
    if (!buf) {
      if (this.uniforms.size >= 4096) this.dropUniforms();
      buf = this.device.createBuffer({
        size: Math.max(16, Math.ceil(u32.byteLength / 16) * 16),
        usage: UNIFORM,
        label: 'params',
      });
      this.device.queue.writeBuffer(buf, 0, u32 as Uint32Array<ArrayBuffer>);
      this.uniforms.set(key, buf);
    }
    return buf;
  }

  private dropUniforms(): void {
    const old = [...this.uniforms.values()];
    this.uniforms.clear();
    this.device.queue.onSubmittedWorkDone().then(() => old.forEach((b) => b.destroy()));
  }

  /**
   * Records `dispatches` into one command buffer (one compute pass) and submits it. Pipelines must
   * be compiled (see `prepare`) or are compiled first. Validation errors, out-of-memory and device
   * loss are thrown, naming the shaders involved.
   */
  async run(dispatches: Dispatch[]): Promise<void> {
    await this.prepare(dispatches);
    const names = dispatches.map((d) => d.kernel.name);
    // The wait estimate's key: which pipelines over how many workgroups (the same kernels on other
    // shapes take other times; a kernel built with other constants or math is another pipeline).
    const work = dispatches.map((d) => `${kernelKey(d.kernel, d.constants)}/${d.workgroups.join('x')}`).join(',');
    await this.submitChecked(
      () => [this.encode(dispatches)],
      `batch [${[...new Set(names)].join(', ')}]`,
      dispatches,
      work,
    );
  }

  /** Encodes dispatches into a command buffer without submitting (pipelines must be prepared). */
  encode(dispatches: Dispatch[]): GPUCommandBuffer {
    this.checkAlive();
    const enc = this.device.createCommandEncoder({ label: 'dispatches' });
    const pass = enc.beginComputePass();
    for (const d of dispatches) {
      const key = kernelKey(d.kernel, d.constants);
      const pipe = this.pipelines.get(key);
      if (!pipe) throw new Error(`shader '${d.kernel.name}': pipeline not prepared before encoding`);
      const entries: GPUBindGroupEntry[] = d.buffers.map((b, binding) => ({
        binding,
        resource: 'offset' in b ? b : { buffer: b },
      }));
      if (d.params) entries.push({ binding: entries.length, resource: { buffer: this.uniform(d.params) } });
      const group = this.device.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries, label: d.kernel.name });
      pass.setPipeline(pipe);
      pass.setBindGroup(0, group);
      const detMath = this.detMathGroups.get(key);
      if (detMath) pass.setBindGroup(1, detMath);
      pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1] ?? 1, d.workgroups[2] ?? 1);
    }
    pass.end();
    return enc.finish();
  }

  /**
   * Records (`record`) and submits under error scopes, and throws what they caught; validation is
   * synchronous in Dawn, so this does not wait for the GPU. `work` names the submission for idle().
   */
  async submitChecked(
    record: () => GPUCommandBuffer[],
    what: string,
    dispatches?: Dispatch[],
    work = what,
  ): Promise<void> {
    this.checkAlive();
    const d = this.device;
    d.pushErrorScope('internal');
    d.pushErrorScope('out-of-memory');
    d.pushErrorScope('validation');
    let thrown: unknown;
    try {
      const cmds = record();
      if (!this.pendingWork.length) this.pendingSince = performance.now();
      this.pendingWork.push(work);
      d.queue.submit(cmds);
    } catch (e) {
      thrown = e;
    }
    const [validation, oom, internal] = await Promise.all([d.popErrorScope(), d.popErrorScope(), d.popErrorScope()]);
    if (thrown) throw thrown;
    const err = validation ?? oom ?? internal;
    const kind = validation ? 'validation' : oom ? 'out-of-memory' : 'internal';
    if (err) throw new GpuError(`${what}: ${kind} error: ${err.message}`, kind, culprit(err.message, dispatches));
    this.checkAlive();
    if (this.uncaptured.length) {
      const msgs = this.uncaptured.splice(0);
      throw new GpuError(
        `${what}: uncaptured GPU error: ${msgs.join('; ')}`,
        'validation',
        culprit(msgs[0], dispatches),
      );
    }
  }

  /** Waits for all submitted work. */
  async sync(): Promise<void> {
    this.checkAlive();
    await this.idle();
    this.checkAlive();
  }

  /**
   * Waits until the queue is idle. While any Dawn promise is pending, Dawn's Node bindings poll
   * from the event loop without pause, which takes a whole core from lavapipe's CPU threads (a
   * 1024³ matmul ran 1.7x slower on 2 cores). So first sleep for 90% of the fastest time the same
   * sequence of submissions has taken, then await the (now short) remainder. Oversleeping lowers
   * the record by 10% each time, so it converges on the real duration; a one-off slow run (a
   * stalled CPU) never raises it.
   */
  private async idle(): Promise<void> {
    const key = this.pendingWork.join('|');
    const since = this.pendingSince;
    this.pendingWork = [];
    if (!key) return;
    const best = this.fastest.get(key);
    if (best !== undefined && best !== Infinity) {
      const left = 0.9 * best - (performance.now() - since);
      if (left > 1) await new Promise((r) => setTimeout(r, left));
    }
    await this.device.queue.onSubmittedWorkDone();
    if (this.fastest.size > 1000) this.fastest.clear();
    const took = performance.now() - since;
    // The first run of a submission may include the driver's lazy shader compilation: it only
    // marks the key as seen (Infinity), the second gives the first estimate.
    this.fastest.set(key, best === undefined ? Infinity : Math.min(took, best));
  }
}

/** The shader an error message names through its labels, else the only shader in the batch. */
function culprit(message: string, dispatches?: Dispatch[]): string | undefined {
  if (!dispatches?.length) return undefined;
  const names = [...new Set(dispatches.map((d) => d.kernel.name))];
  return (
    names.find((n) => message.includes(`"${n}"`) || message.includes(`'${n}'`)) ??
    (names.length === 1 ? names[0] : undefined)
  );
}
