// What the lent machine is: CPU, glibc, the GPU as nvidia-smi sees it, and whether a WebGPU
// adapter can be created through onnxruntime-node's WebGPU provider (and which Vulkan loader,
// driver and physical device it used). The pieces are `ipdialog bench`'s (bench/perf/verify),
// imported file by file: the verify index would pull transformers.js into gpu-bench.mjs.
import { documentedBandwidthGbs } from './documented-bandwidth';
import { deviceProbeChild, probeDevice, type AdapterProbe } from '../../perf/verify/device-probe';
import { machineInfo, queryNvidiaSmi, type MachineInfo, type NvidiaSmi } from '../../perf/verify/machine';

export type { AdapterProbe, MachineInfo, NvidiaSmi };

/** In a child process (`gpu-bench.mjs adapter-child`), with the loader's debug log on. */
export function probeWebGpu(toolFile: string): AdapterProbe {
  return probeDevice('webgpu', [toolFile, 'adapter-child']);
}

/** `adapter-child`: x + x on the WebGPU provider; reports the libraries it mapped. */
export function adapterChild(): Promise<void> {
  return deviceProbeChild('webgpu');
}

export interface ProbeResult {
  machine: MachineInfo;
  nvidiaSmi: NvidiaSmi;
  /** Only for --device webgpu. */
  webgpu?: AdapterProbe;
  /** The datasheet bandwidth of the first GPU, when it is a known one. */
  documentedBandwidthGbs?: number;
}

export function runProbe(device: string, toolFile: string): ProbeResult {
  const nvidiaSmi = queryNvidiaSmi();
  return {
    machine: machineInfo(),
    nvidiaSmi,
    webgpu: device === 'webgpu' ? probeWebGpu(toolFile) : undefined,
    documentedBandwidthGbs: nvidiaSmi.present && nvidiaSmi.gpus[0] ? documentedBandwidthGbs(nvidiaSmi.gpus[0].name) : undefined,
  };
}
