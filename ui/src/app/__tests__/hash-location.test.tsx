import { act, renderHook } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { hashHref, navigate, useHashLocation, useHashSearch } from '../hash-location';

const useWhere = () => {
  const [path] = useHashLocation();
  return { path, search: useHashSearch() };
};

describe('the hash route', () => {
  it('reads path and query from the hash, and an empty hash as /', () => {
    history.replaceState(null, '', '#/settings/integrations?connect=add');
    expect(renderHook(useWhere).result.current).toEqual({ path: '/settings/integrations', search: 'connect=add' });
    history.replaceState(null, '', location.pathname);
    expect(renderHook(useWhere).result.current).toEqual({ path: '/', search: '' });
  });

  it('drops the query (and the dialog in it) when going to another page', () => {
    history.replaceState(null, '', '#/settings/integrations?reconnect=a1');
    const { result } = renderHook(useWhere);
    act(() => navigate('/dashboard'));
    expect(result.current).toEqual({ path: '/dashboard', search: '' });
    expect(location.hash).toBe('#/dashboard');
  });

  it('adds a history entry unless told to replace, and follows Back', async () => {
    history.replaceState(null, '', '#/settings');
    const { result } = renderHook(useWhere);
    const entries = history.length;
    act(() => navigate('/activity'));
    expect(history.length).toBe(entries + 1);
    act(() => navigate('/dashboard', { replace: true }));
    expect(history.length).toBe(entries + 1);
    expect(result.current.path).toBe('/dashboard');
    await act(async () => {
      history.back();
      await new Promise((resolve) => addEventListener('popstate', resolve, { once: true }));
    });
    expect(result.current.path).toBe('/settings');
  });

  it('follows a hash set from outside (the end-to-end tests do)', () => {
    history.replaceState(null, '', '#/settings');
    const { result } = renderHook(useWhere);
    act(() => {
      location.hash = '/activity';
      dispatchEvent(new HashChangeEvent('hashchange'));
    });
    expect(result.current.path).toBe('/activity');
  });

  it('links to the route inside the hash', () => {
    expect(hashHref('/settings/integrations?connect=new')).toBe('#/settings/integrations?connect=new');
  });
});
