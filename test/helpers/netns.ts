export * from '../../lab/netns';
