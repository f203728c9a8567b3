import { Injectable, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { detectorConfig } from '../config/detector-config';
import { InjectModel, ModelHandle } from './model-handle';
import { ModelRegistryModule } from './model-registry.module';
import { ModelRegistryService } from './model-registry.service';

@Injectable()
class TwoModelConsumer {
  constructor(
    @InjectModel('yolov5s') readonly small: ModelHandle,
    @InjectModel('yolov5l') readonly large: ModelHandle,
  ) {}
}

@Module({ imports: [ModelRegistryModule], providers: [TwoModelConsumer] })
class ConsumerModule {}

describe('ModelRegistryModule', () => {
  it('injects one handle per model, the same the registry routes detections through', async () => {
    // Compiled, not initialised: no worker pool starts.
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [detectorConfig] }), ConsumerModule],
    }).compile();
    const consumer = moduleRef.get(TwoModelConsumer);
    const registry = moduleRef.get(ModelRegistryService);

    expect(consumer.small).toBeInstanceOf(ModelHandle);
    expect([consumer.small.name, consumer.large.name]).toEqual(['yolov5s', 'yolov5l']);
    expect(consumer.small).toBe(registry.handle('yolov5s'));
    expect(consumer.large).toBe(registry.handle('yolov5l'));
    expect(consumer.small.state()).toMatchObject({ name: 'yolov5s', loaded: false });
    expect(() => registry.handle('yolov5x')).toThrow(/yolov5x/);
    await moduleRef.close();
  });
});
