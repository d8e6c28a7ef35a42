// Browser-safe public entry of engine/: the core (scheduler, KV cache, runner), the
// LlmEngine facade and its types. Node-specific loading lives in ./node.ts.
export { EngineCore } from './engine-core';
export { assembleCore, checkConfigAgainstGraph, deviceOutputNames, probeLean } from './assemble-core';
export type { CoreTuning, AssembleInput } from './assemble-core';
export type { EngineCoreConfig } from './engine-core';
export { CoreLoop } from './core-loop';
export type { CoreHandle, CoreInfo } from './core-loop';
export { LlmEngine } from './llm-engine';
export { encodeTextRequest, generateText } from './text-requests';
export type { PromptMode } from './text-requests';
export type { GenerateOptions, GenerationResult } from './llm-engine';
export { ModelRunner } from './model-runner';
export type { RunnerInit, StepResult } from './model-runner';
export { Scheduler, DEFAULT_SCHEDULER_CONFIG } from './scheduler';
export type { SchedulerConfig, StepPlan } from './scheduler';
export { PrefixCache } from './prefix-cache';
export { BatchKvCache } from './batch-kv-cache';
export { HostKvManager } from './host-kv-manager';
export { DeviceKvManager } from './device-kv-manager';
export type { KvCacheManager, DecodeKv } from './kv-cache-manager';
export { Request } from './request';
export { createSampler, argmax } from './sampling';
export { inspectDecoder } from './graph/decoder-io';
export type { DecoderIo } from './graph/decoder-io';
export { rewriteLean } from './graph/lean-graph';
export type { LeanIo } from './graph/lean-graph';
export { parseModel, concatChunks, decodeInitializer } from './graph/onnx-model';
export type { SamplingParams, GenerateRequest, EngineOutput, FinishReason, EngineStats, DeviceName } from './types';
