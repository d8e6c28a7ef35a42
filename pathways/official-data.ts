/** The public test set of the IP-Dialog repository (OpenCausaLab/IP-Dialog), pinned by hash. */
export const OFFICIAL_TEST_SET = {
  url: 'https://raw.githubusercontent.com/OpenCausaLab/IP-Dialog/2218c1c3aa4dc160d13c8de5d827d245b1b200a3/benchmark/filtered_data_test_1000.jsonl',
  sha256: '0ca13e6af32f8179080880d04fb04bfbd200378bb82f1a39012c9679ec2f3dbb',
  fileName: 'filtered_data_test_1000.jsonl',
};

