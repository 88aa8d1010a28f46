// The adapter limits the engine needs (ts/gpu/limits.ts): an adapter short of one is refused with
// a message naming that limit, what the adapter offers and what the kernels need.
import { describe, expect, it } from 'vitest';
import { ENGINE_LIMITS, missingLimit } from '../../ts/gpu/limits.js';

// WebGPU's defaults for core adapters and Chrome's for compatibility mode (spec, "Limits").
const CORE = {
  maxStorageBuffersPerShaderStage: 8,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
};
const COMPAT = {
  maxStorageBuffersPerShaderStage: 4,
  maxComputeInvocationsPerWorkgroup: 128,
  maxComputeWorkgroupSizeX: 128,
};
const limits = (l: object) => l as GPUSupportedLimits;

describe('the limits the engine needs', () => {
  it("are met by every core adapter (WebGPU's defaults)", () => {
    expect(missingLimit(limits(CORE), 'any')).toBeUndefined();
  });

  it('names the first limit an adapter falls short of, with both values', () => {
    expect(missingLimit(limits(COMPAT), 'compat')).toBe(
      "the WebGPU adapter 'compat' offers maxStorageBuffersPerShaderStage 4, below the 8 the engine's kernels need; " +
        'use a browser and GPU with full (core) WebGPU',
    );
    expect(missingLimit(limits({ ...CORE, maxComputeWorkgroupSizeX: 255 }), 'x')).toMatch(
      /offers maxComputeWorkgroupSizeX 255, below the 256/,
    );
  });

  it('refuses an adapter that does not report a limit', () => {
    const { maxComputeInvocationsPerWorkgroup: _, ...partial } = CORE;
    expect(missingLimit(limits(partial), 'old')).toMatch(/offers maxComputeInvocationsPerWorkgroup undefined/);
    expect(Object.keys(ENGINE_LIMITS)).toEqual(Object.keys(CORE));
  });
});
