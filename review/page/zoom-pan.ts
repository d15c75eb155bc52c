/**
 * Zoom and pan of the large evidence image: wheel or +/− zoom about the pointer (or the centre),
 * drag pans, 0 resets. The transform is set through the CSSOM, which the strict CSP allows
 * (inline style attributes it would not).
 */

const MIN_SCALE = 1;
const MAX_SCALE = 8;
const STEP = 1.25;

export class ZoomPan {
  private scale = 1;
  private x = 0;
  private y = 0;
  private drag: { startX: number; startY: number; x: number; y: number } | undefined;

  constructor(
    private readonly frame: HTMLElement,
    private readonly target: HTMLElement,
  ) {
    frame.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const r = frame.getBoundingClientRect();
        this.zoomAt(e.deltaY < 0 ? STEP : 1 / STEP, e.clientX - r.left, e.clientY - r.top);
      },
      { passive: false },
    );
    frame.addEventListener('pointerdown', (e) => {
      if (this.scale === 1 || e.button !== 0) return;
      this.drag = { startX: e.clientX, startY: e.clientY, x: this.x, y: this.y };
      frame.setPointerCapture(e.pointerId);
      frame.classList.add('dragging');
    });
    frame.addEventListener('pointermove', (e) => {
      if (!this.drag) return;
      this.x = this.drag.x + (e.clientX - this.drag.startX);
      this.y = this.drag.y + (e.clientY - this.drag.startY);
      this.apply();
    });
    const end = (): void => {
      this.drag = undefined;
      frame.classList.remove('dragging');
    };
    frame.addEventListener('pointerup', end);
    frame.addEventListener('pointercancel', end);
    frame.addEventListener('dblclick', () => this.reset());
  }

  get level(): number {
    return this.scale;
  }

  /** +1 zooms in, −1 out, 0 resets; about the frame's centre. */
  step(direction: 1 | -1 | 0): void {
    if (direction === 0) return this.reset();
    this.zoomAt(direction > 0 ? STEP : 1 / STEP, this.frame.clientWidth / 2, this.frame.clientHeight / 2);
  }

  reset(): void {
    this.scale = 1;
    this.x = 0;
    this.y = 0;
    this.apply();
  }

  private zoomAt(factor: number, px: number, py: number): void {
    const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, this.scale * factor));
    if (next === this.scale) return;
    // Keep the point under the pointer where it is.
    const k = next / this.scale;
    this.x = px - (px - this.x) * k;
    this.y = py - (py - this.y) * k;
    this.scale = next;
    if (next === 1) {
      this.x = 0;
      this.y = 0;
    }
    this.apply();
  }

  private apply(): void {
    this.clamp();
    this.target.style.transform = `translate(${this.x}px, ${this.y}px) scale(${this.scale})`;
    this.frame.dataset.zoom = this.scale.toFixed(2);
  }

  /** The image may not be dragged out of the frame entirely. */
  private clamp(): void {
    const w = this.frame.clientWidth;
    const h = this.frame.clientHeight;
    this.x = Math.min(0, Math.max(w - w * this.scale, this.x));
    this.y = Math.min(0, Math.max(h - h * this.scale, this.y));
  }
}
