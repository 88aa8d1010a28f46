import { runPage } from '../common/error.js';
import { mountNav } from '../common/nav.js';

mountNav('samples');
runPage(async () => {});
