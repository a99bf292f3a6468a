// StoreController: a burst of state changes renders once per animation frame; a hidden page (no frames) still
// renders, after a microtask.
import { expect } from '@esm-bundle/chai';
import { LitElement } from 'lit';
import { StateStore } from '../../../src/app/state-store';
import { StoreController, type FrameScheduler } from '../../../src/ui/store-controller';

class CountingElement extends LitElement {
  renders = 0;
  controller?: StoreController<{ n: number }>;
  protected override render() {
    this.renders++;
    return null;
  }
}
customElements.define('test-counting-element', CountingElement);

function scheduler(hidden: () => boolean): FrameScheduler & { frames: (() => void)[]; runFrames(): void } {
  const frames: (() => void)[] = [];
  return {
    frames,
    requestFrame: (callback) => frames.push(callback),
    cancelFrame: (handle) => void frames.splice(handle - 1, 1, () => {}),
    isHidden: hidden,
    runFrames() {
      for (const callback of frames.splice(0)) callback();
    },
  };
}

async function mount(store: StateStore<{ n: number }>, frames: FrameScheduler): Promise<CountingElement> {
  const element = document.createElement('test-counting-element') as CountingElement;
  element.controller = new StoreController(element, store, frames);
  document.body.append(element);
  await element.updateComplete;
  element.renders = 0;
  return element;
}

afterEach(() => document.querySelectorAll('test-counting-element').forEach((el) => el.remove()));

describe('StoreController', () => {
  it('renders once per animation frame under a burst of changes', async () => {
    const store = new StateStore({ n: 0 });
    const frames = scheduler(() => false);
    const element = await mount(store, frames);
    for (let i = 1; i <= 500; i++) store.set({ n: i });
    await element.updateComplete;
    expect(element.renders).to.equal(0);
    expect(frames.frames).to.have.length(1);
    frames.runFrames();
    await element.updateComplete;
    expect(element.renders).to.equal(1);
    expect(element.controller!.state.n).to.equal(500);
  });

  it('renders after a microtask in a hidden page, where animation frames do not run', async () => {
    const store = new StateStore({ n: 0 });
    const frames = scheduler(() => true);
    const element = await mount(store, frames);
    for (let i = 1; i <= 100; i++) store.set({ n: i });
    await new Promise((resolve) => setTimeout(resolve, 0));
    await element.updateComplete;
    expect(frames.frames).to.have.length(0);
    expect(element.renders).to.equal(1);
  });

  it('with the real page scheduler, a burst in one task is one render', async () => {
    const store = new StateStore({ n: 0 });
    const element = document.createElement('test-counting-element') as CountingElement;
    element.controller = new StoreController(element, store);
    document.body.append(element);
    await new Promise((resolve) => requestAnimationFrame(resolve));
    await element.updateComplete;
    element.renders = 0;
    for (let i = 1; i <= 300; i++) store.set({ n: i });
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    await element.updateComplete;
    expect(element.renders).to.equal(1);
  });
});
