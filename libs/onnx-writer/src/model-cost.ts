/** Size and compute of a network, as Ultralytics reports them. */
export interface ModelCost {
  /** Learnable parameters of the fused model (conv weights + biases). */
  parameters: number;
  /** 2 x multiply-accumulates of the convolutions, in billions (the Ultralytics GFLOPs convention). */
  gflops: number;
}

/** What an architecture walk carries when it counts instead of building: the shape of each feature map. */
export interface FeatureShape {
  channels: number;
  height: number;
  width: number;
}

export interface CountedConv {
  outChannels: number;
  kernel: number;
  stride: number;
  padding: number;
  groups?: number;
}

/** Shape-only layers that add up the fused convs' parameters and multiply-accumulates as the walk goes. */
export function costCounter(fixedParameters = 0) {
  let parameters = fixedParameters;
  let macs = 0;
  return {
    channels: (x: FeatureShape) => x.channels,
    conv(x: FeatureShape, spec: CountedConv): FeatureShape {
      const height = Math.floor((x.height + 2 * spec.padding - spec.kernel) / spec.stride) + 1;
      const width = Math.floor((x.width + 2 * spec.padding - spec.kernel) / spec.stride) + 1;
      const weights = (spec.outChannels * x.channels * spec.kernel * spec.kernel) / (spec.groups ?? 1);
      parameters += weights + spec.outChannels;
      macs += weights * height * width;
      return { channels: spec.outChannels, height, width };
    },
    add: (a: FeatureShape) => a,
    concat: (xs: readonly FeatureShape[]): FeatureShape => ({ ...xs[0], channels: xs.reduce((sum, x) => sum + x.channels, 0) }),
    maxPool5: (x: FeatureShape) => x,
    upsample2x: (x: FeatureShape): FeatureShape => ({ ...x, height: x.height * 2, width: x.width * 2 }),
    cost: (): ModelCost => ({ parameters, gflops: (2 * macs) / 1e9 }),
  };
}
