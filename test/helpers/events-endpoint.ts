export * from '../../lab/events-endpoint';
