// A small live SVG sparkline of the last N values.
const NS = 'http://www.w3.org/2000/svg'

export class Sparkline {
  readonly el: SVGSVGElement
  readonly #path: SVGPathElement
  readonly #dot: SVGCircleElement
  readonly #values: number[] = []
  readonly #max: number
  readonly #width = 120
  readonly #height = 28

  constructor(label: string, max = 30) {
    this.#max = max
    this.el = document.createElementNS(NS, 'svg')
    this.el.setAttribute('viewBox', `0 0 ${this.#width} ${this.#height}`)
    this.el.setAttribute('class', 'sparkline')
    this.el.setAttribute('role', 'img')
    this.el.setAttribute('aria-label', label)
    this.#path = document.createElementNS(NS, 'path')
    this.#dot = document.createElementNS(NS, 'circle')
    this.#dot.setAttribute('r', '2.5')
    this.el.append(this.#path, this.#dot)
  }

  get values(): readonly number[] {
    return this.#values
  }

  push(value: number): void {
    this.#values.push(value)
    if (this.#values.length > this.#max) this.#values.shift()
    this.#draw()
  }

  #draw(): void {
    const values = this.#values
    const top = Math.max(...values, 1)
    const step = this.#width / Math.max(this.#max - 1, 1)
    const pad = 3
    const points = values.map((v, i) => [i * step, this.#height - pad - (v / top) * (this.#height - 2 * pad)] as const)
    this.#path.setAttribute(
      'd',
      points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`).join(' '),
    )
    const last = points[points.length - 1]
    if (last) {
      this.#dot.setAttribute('cx', last[0].toFixed(1))
      this.#dot.setAttribute('cy', last[1].toFixed(1))
    }
  }
}
