// Peak device-memory bandwidth from NVIDIA's product datasheets, by the name nvidia-smi
// reports: the bound `ipdialog bench --bandwidth-gbs` compares batch-1 decode with. A GPU not
// listed gets no documented number (the ratio is then left out, not guessed).
const DATASHEET_GBS: ReadonlyArray<readonly [RegExp, number]> = [
  [/\bH200\b/, 4800],
  [/\bH100\b.*\bNVL\b/, 3900],
  [/\bH100\b.*\bPCIe\b/i, 2000],
  [/\bH100\b/, 3350],
  [/\bA100\b.*80GB.*PCIe/i, 1935],
  [/\bA100\b.*80GB/, 2039],
  [/\bA100\b/, 1555],
  [/\bL40S\b/, 864],
  [/\bL4\b/, 300],
  [/\bA10\b/, 600],
];

export function documentedBandwidthGbs(gpuName: string): number | undefined {
  return DATASHEET_GBS.find(([re]) => re.test(gpuName))?.[1];
}
