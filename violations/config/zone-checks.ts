import { findSelfIntersection, signedArea, type Vec2 } from '../geometry/polygon.js';

function pt(p: Vec2): string {
  return `(${p[0]}, ${p[1]})`;
}

/** Problems with one zone polygon in normalised image coordinates; empty when it is usable. */
export function zonePolygonProblems(zoneId: string, polygon: readonly Vec2[]): string[] {
  const what = `zone '${zoneId}'`;
  if (polygon.length < 3) {
    return [`${what} has ${polygon.length} point(s); a polygon needs at least 3`];
  }
  const problems: string[] = [];
  polygon.forEach((p, i) => {
    if (!(p[0] >= 0 && p[0] <= 1 && p[1] >= 0 && p[1] <= 1)) {
      problems.push(
        `${what}: point ${i + 1} ${pt(p)} is outside [0, 1]; zone coordinates are fractions of the image width and height`,
      );
    }
  });
  polygon.forEach((p, i) => {
    const prev = polygon[(i + polygon.length - 1) % polygon.length]!;
    if (p[0] === prev[0] && p[1] === prev[1]) {
      problems.push(`${what}: point ${i + 1} ${pt(p)} repeats the point before it`);
    }
  });
  if (problems.length > 0) return problems;

  const crossing = findSelfIntersection(polygon);
  if (crossing) {
    const n = polygon.length;
    const edge = (e: number): string => `edge ${e + 1} (point ${e + 1} → ${((e + 1) % n) + 1})`;
    return [`${what} is self-intersecting: ${edge(crossing[0])} crosses ${edge(crossing[1])}`];
  }
  if (Math.abs(signedArea(polygon)) < 1e-9) return [`${what} has zero area`];
  return [];
}
