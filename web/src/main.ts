/** The EHR simulator page: start the simulated EHR and its view. */
import { Ehr } from './ehr.js';
import { View } from './view.js';

const ehr = new Ehr();
const view = new View(ehr);
view.mount();
void ehr.start().then(() => {
  const wanted = new URLSearchParams(location.search).get('patient');
  if (wanted && ehr.patients.some((p) => p.id === wanted)) void ehr.openChart(wanted);
});
