import { createHashRouter, Navigate, type RouteObject } from 'react-router';

import { DashboardRoute } from './routes/dashboard';
import { IntegrationsRoute } from './routes/integrations';
import { RootLayout } from './routes/root-layout';

// Hash routes: the page is served from the app's own protocol, where only index.html exists.
export const routes: RouteObject[] = [
  {
    path: '/',
    element: <RootLayout />,
    children: [
      { index: true, element: <Navigate to="/settings/integrations" replace /> },
      { path: 'settings/integrations', element: <IntegrationsRoute /> },
      { path: 'dashboard', element: <DashboardRoute /> },
      { path: '*', element: <Navigate to="/settings/integrations" replace /> },
    ],
  },
];

export const createAppRouter = () => createHashRouter(routes);
