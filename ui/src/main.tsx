import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { AppProvider } from './app/provider';
import { AppRoutes } from './app/router';
import { installReactEffectTiming } from './lib/effect-timing';
import { makeQueryClient } from './lib/query-client';
import './styles/index.css';

installReactEffectTiming();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <AppProvider queryClient={makeQueryClient()}>
      <AppRoutes />
    </AppProvider>
  </StrictMode>,
);
