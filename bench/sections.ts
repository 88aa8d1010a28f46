// The bench sections, in the order `npm run bench` runs them. One line each.
export interface BenchSection {
  name: string;
  summary: string;
  run(): Promise<void>;
}

export const sections: BenchSection[] = [];
