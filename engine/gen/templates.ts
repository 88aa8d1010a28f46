// The surface worlds (contexts). A template is pure data: adding an entry here adds a context; no
// generator code changes. Each problem uses one group of layer-1 names (places) and one group of
// layer-2 names (items); an item count reads "{item} in {place}", an aggregate reads
// "total number of {total} in {place}".
export class TemplateData {
  name: string;
  total: string;
  places: string[][];
  items: string[][];

  constructor(name: string, total: string, places: string[][], items: string[][]) {
    this.name = name;
    this.total = total;
    this.places = places;
    this.items = items;
  }
}

export const TEMPLATES: TemplateData[] = [
  new TemplateData(
    'crazy_zootopia',
    'adult animals',
    [
      ['Beverly Forest', 'Cedar Valley', 'Oakridge Riverside', 'Pine Ridge', 'Maple Creek'],
      ['South Zoo', 'Jefferson Circus', 'Mayer Aquarium', 'Bundle Ranch', 'Hamilton Farm'],
    ],
    [
      ['adult bear', 'adult wolf', 'adult deer', 'adult fox', 'adult racoon'],
      ['adult eagle', 'adult parrot', 'adult owl', 'adult blue jay', 'adult crow'],
    ],
  ),
  new TemplateData(
    'teachers_in_school',
    'schools',
    [
      ['Evervale City', 'Hawkesbury', 'Glenfield City', 'Westhaven City', 'Brightford'],
      ['Riverton City', 'Clearwater Bay', 'Shoreline City', 'Oakbridge City', 'Ruby Bay'],
    ],
    [['elementary school', 'private middle school', 'public highschool', 'regional medical school', 'culinarian school']],
  ),
  new TemplateData(
    'movie_festival_awards',
    'movies',
    [
      [
        'Taylor Movie Festival',
        'Verdi Movie Festival',
        'West Sahara Movie Festival',
        'Northwood Movie Festival',
        'Golden Banana Movie Festival',
      ],
      [
        'Festival Lumière de Valmont',
        'Rêves de Belleville',
        'Cinéma de Montreval',
        'Festival de Clairmont',
        'Festival de Saint-Rivage',
      ],
    ],
    [['upbeat metropolis comedy', 'solemn period drama', 'futuristic sci-fi movie', 'calm road movie', 'intense detective thriller']],
  ),
];

/** Index of a template by name, or -1. */
export function templateIndex(name: string): i32 {
  for (let i = 0; i < TEMPLATES.length; i++) if (TEMPLATES[i].name == name) return i;
  return -1;
}
