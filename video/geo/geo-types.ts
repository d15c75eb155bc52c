/** A 2-D point: pixel (x = u, y = v) or local metres (x = east, y = north), as each function says. */
export interface Point2 {
  x: number;
  y: number;
}
