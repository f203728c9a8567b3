import { int8CpuFeatures } from './cpu-features';

const cpuinfo = (flags: string) => `processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: ${flags}\nbogomips\t: 4000\n\nprocessor\t: 1\nflags\t\t: ${flags}\n`;

describe('int8CpuFeatures', () => {
  it('finds AVX-512 VNNI', () => {
    const features = int8CpuFeatures(cpuinfo('fpu sse2 avx2 avx512f avx512bw avx512_vnni'));
    expect(features).toMatchObject({ vnni: true, flags: ['avx2', 'avx512f', 'avx512bw', 'avx512_vnni'] });
    expect(features.summary).toMatch(/INT8 fast path available \(avx512_vnni\)/);
  });

  it('finds AVX-VNNI (client CPUs without AVX-512)', () => {
    expect(int8CpuFeatures(cpuinfo('sse2 avx2 avx_vnni'))).toMatchObject({ vnni: true, flags: ['avx2', 'avx_vnni'] });
  });

  it('says INT8 may be no faster without VNNI', () => {
    const features = int8CpuFeatures(cpuinfo('sse2 avx2 fma'));
    expect(features).toMatchObject({ vnni: false, flags: ['avx2'] });
    expect(features.summary).toMatch(/no VNNI.*may be no faster/);
  });

  it('does not mistake a flag for a longer one containing it', () => {
    expect(int8CpuFeatures(cpuinfo('avx512_vnnix avx_vnni_int8')).vnni).toBe(false);
  });

  it('reports unknown when there is no /proc/cpuinfo', () => {
    expect(int8CpuFeatures(undefined)).toMatchObject({ vnni: false, flags: [] });
    expect(int8CpuFeatures(undefined).summary).toMatch(/unknown/);
  });
});
